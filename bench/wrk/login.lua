-- POST /auth/login for random existing bench devices (get-or-create + profile + token).
dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
local users = tonumber(os.getenv("BENCH_USERS") or "64")
function request()
  counter = counter + 1
  local body = '{"device_id":"bench-' .. ((counter % users) + 1) .. '"}'
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"}, body)
end
