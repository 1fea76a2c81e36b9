"""What every surface shares: settings, storage, tenants, errors, paging, the clock."""
