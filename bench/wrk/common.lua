-- Shared by the gateway benchmark's wrk scripts: bearer tokens of the pre-funded bench
-- users, read from the file BENCH_TOKENS names, used round-robin.
tokens = {}
local path = os.getenv("BENCH_TOKENS")
if path then
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
end
counter = math.random(1, 1000000)

function next_token()
  counter = counter + 1
  return tokens[(counter % #tokens) + 1]
end
