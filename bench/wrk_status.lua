-- Counts responses by HTTP status across all wrk threads and prints one line
-- at the end, "statuses: 202=1234 429=5", which bench.py parses. wrk's own
-- "Non-2xx or 3xx responses" line says how many failed, not which status.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end

  local codes = {}
  for status in pairs(totals) do
    table.insert(codes, status)
  end
  table.sort(codes)

  local parts = {}
  for _, status in ipairs(codes) do
    table.insert(parts, status .. "=" .. totals[status])
  end
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
end
