-- wrk script: post WeChat text messages, each with a fresh MsgId, from senders taken in turn from a
-- pool of residents the harness registered (openids obench00000000 …), or a new sender each time.
-- WeChat's signature covers only token, timestamp and nonce, so the harness signs the URL once per run
-- and every body here still passes as a distinct, genuine message.
-- Arguments (after `--`): run number, openid pool size (0 = a new openid for every message).
-- Each run starts at another place in the pool, so no resident writes often enough to be rate-limited.
-- At the end one line "BENCH_JSON {...}" reports counts and latency percentiles (microseconds).

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local counter = 0
local run = 0
local pool = 0
sent = 0
ok = 0
not_ok = 0

local headers = { ["Content-Type"] = "text/xml; charset=utf-8" }
local template = "<xml><ToUserName><![CDATA[gh_minyi_bench]]></ToUserName>" ..
  "<FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime>" ..
  "<MsgType><![CDATA[text]]></MsgType>" ..
  "<Content><![CDATA[祖庙巷51号小区内绿化枯萎需要补种，麻烦尽快处理 %s]]></Content>" ..
  "<MsgId>%s</MsgId></xml>"

function init(args)
  run = tonumber(args[1]) or 0
  pool = tonumber(args[2]) or 0
end

function request()
  counter = counter + 1
  sent = sent + 1
  -- run * 1e9 + thread * 1e8 + counter stays an exact integer in a Lua double (below 2^53)
  local msgid = string.format("%.0f", run * 1e9 + index * 1e8 + counter)
  local openid
  if pool > 0 then
    openid = string.format("obench%08d", (run * 7919 + counter) % pool)
  else
    openid = "obench" .. msgid
  end
  return wrk.format("POST", nil, headers, string.format(template, openid, os.time(), msgid, msgid))
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local total_sent, total_ok, total_not_ok = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_ok = total_ok + thread:get("ok")
    total_not_ok = total_not_ok + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "sent": %d, "ok": %d, "not_ok": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, total_sent, total_ok, total_not_ok,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
