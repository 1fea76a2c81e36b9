-- POST /v2/droplets (DigitalOcean allows duplicate names), one region after
-- another so no region's default VPC runs out of private addresses, counting
-- response statuses with wrk_status.lua from the same folder.
-- The Authorization header comes from wrk's -H on the command line.

local regions = {"nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "sgp1", "tor1", "blr1", "syd1"}
local sent = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  sent = sent + 1
  local body = '{"name":"bench-post","region":"' .. regions[sent % #regions + 1]
    .. '","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}'
  return wrk.format(nil, nil, nil, body)
end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_status.lua")
