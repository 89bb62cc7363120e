-- wrk script: POSTs a form to each path of BENCH_POST_PATHS (comma-separated) in turn; each thread starts
-- at another path. BENCH_POST_BODY is the urlencoded form (bench/run.py puts the session's CSRF token in it).
-- Prints the same JSON line as report.lua (loaded from this script's folder).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local paths = {}
for p in string.gmatch(os.getenv("BENCH_POST_PATHS") or "", "[^,]+") do
  paths[#paths + 1] = p
end
local body = os.getenv("BENCH_POST_BODY") or ""
-- Added to wrk.headers (which hold the -H Cookie): wrk.format with a table of its own would drop them.
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = 0
setup = function(thread)
  thread:set("start", threads * 7)
  threads = threads + 1
end

local i = 0
init = function(args)
  i = start or 0
end

request = function()
  i = i % #paths + 1
  return wrk.format("POST", paths[i], nil, body)
end
