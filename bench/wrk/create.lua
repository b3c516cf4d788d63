-- POST /emoji/create with boxes (no detection), pre-funded users round-robin: auth read,
-- the create transaction, then XADD to emoji_tasks.
dofile(os.getenv("BENCH_DIR") .. "/wrk/common.lua")
local body = '{"image_url":"https://img.example/bench.jpg","driven_id":"mengwa_kaixin",'
  .. '"face_bbox":[10,20,110,120],"ext_bbox":[0,0,200,200]}'
function request()
  return wrk.format("POST", "/api/v1/emoji/create",
    {["Authorization"] = "Bearer " .. next_token(), ["Content-Type"] = "application/json"}, body)
end
