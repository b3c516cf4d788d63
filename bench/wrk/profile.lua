-- GET /user/profile with the bench users' tokens (JWT check + one indexed read).
dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
function request()
  return wrk.format("GET", "/api/v1/user/profile", {["Authorization"] = "Bearer " .. next_token()})
end
