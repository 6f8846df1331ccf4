-- wrk script: each request is the next search from a file of API paths, one
-- per line, as `contactpoint bench search --urls FILE` writes them.
--   wrk -t2 -c16 -d30s -s bench/search.lua http://127.0.0.1:8080 -- /tmp/urls.txt
-- Load tests target only 127.0.0.1 or ::1.

local paths = {}
local next_path = 1

function init(args)
  local file = assert(io.open(args[1] or "urls.txt", "r"), "give the URL file after --")
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  -- Each thread starts at its own place in the list.
  next_path = math.random(#paths)
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format(
    "requests %d, errors %d (status %d, timeout %d), %.0f requests/s\n",
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout,
    summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency p%g %.3f ms\n", p, latency:percentile(p) / 1000))
  end
end
