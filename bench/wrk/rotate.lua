-- Rotates over the requests of a file, one per line: METHOD<TAB>PATH[<TAB>JSON BODY].
-- Usage: wrk -t T -s rotate.lua URL -- FILE TOKEN T
-- Each wrk thread starts at its own offset and steps by the thread count, so
-- threads never send the same line twice until the file wraps.
-- done() prints one line "WRKJSON {...}" with counts and latency percentiles (µs).

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local file = args[1]
   local token = args[2]
   requests = {}
   for line in io.lines(file) do
      local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      if method then
         local headers = {}
         if token and token ~= "" then headers["Authorization"] = token end
         if body == "" then
            body = nil
         else
            headers["Content-Type"] = "application/json"
         end
         table.insert(requests, wrk.format(method, path, headers, body))
      end
   end
   if #requests == 0 then error("no requests in " .. file) end
   step = tonumber(args[3] or "1")
   position = (id or 0) % #requests
end

function request()
   position = position + step
   if position > #requests then position = position - #requests end
   return requests[position]
end

function done(summary, latency, requests_)
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
