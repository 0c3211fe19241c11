// The sandbox chat page: every action posts to /sandbox/user/*, which signs and sends it to /wechat.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const seenPushes = new Set();

  function randomOpenid() {
    return "sbx-" + Math.random().toString(36).slice(2, 12);
  }
  function openid() {
    return $("openid").value.trim();
  }
  // Each WeChat user's conversation is kept in this browser, so a reload or switching back shows it again.
  const HISTORY_LIMIT = 200;
  function historyKey(id) {
    return "minyi-sandbox-history:" + id;
  }
  function loadHistory(id) {
    try {
      return JSON.parse(localStorage.getItem(historyKey(id)) || "[]");
    } catch (error) {
      return [];
    }
  }
  function remember(kind, text, image) {
    const items = loadHistory(openid());
    // photos are not kept (localStorage is small): the bubble says one was sent
    items.push({ kind: kind, text: text || (image ? "［照片］" : "") });
    try {
      localStorage.setItem(historyKey(openid()), JSON.stringify(items.slice(-HISTORY_LIMIT)));
    } catch (error) { /* storage full: the chat goes on, unsaved */ }
  }
  function setOpenid(value) {
    $("openid").value = value;
    localStorage.setItem("minyi-sandbox-openid", value);
    log.innerHTML = "";
    seenPushes.clear();
    for (const item of loadHistory(value)) show(item.kind, item.text);
  }

  function add(kind, text, image) {
    show(kind, text, image);
    remember(kind, text, image);
  }

  function show(kind, text, image) {
    const item = document.createElement("li");
    item.className = kind;
    if (image) {
      const img = document.createElement("img");
      img.src = image;
      item.appendChild(img);
    }
    if (text) item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  async function call(path, body) {
    const response = await fetch("/sandbox/user/" + path, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json();
    if (!response.ok) throw new Error((data.error && data.error.message) || "请求失败");
    return data;
  }

  async function send(message, shown, image) {
    if (shown || image) add("me", shown, image);
    try {
      const result = await call("send", { openid: openid(), mode: $("safe").checked ? "aes" : "plain", ...message });
      if (result.failed) add("bot failed", "该公众号暂时无法提供服务，请稍后再试");
      else if (result.reply) add("bot", result.reply);
      if (result.attempts > 1) add("system", "微信重试了 " + result.attempts + " 次");
    } catch (error) {
      add("system", error.message);
    }
    pollPushes();
  }

  async function pollPushes() {
    if (!openid()) return;
    try {
      const data = await call("pushes?openid=" + encodeURIComponent(openid()));
      for (const push of data.pushes) {
        const key = push.at + JSON.stringify(push.body);
        const seenKey = "minyi-sandbox-seen:" + openid();
        const seen = new Set(JSON.parse(localStorage.getItem(seenKey) || "[]"));
        if (seenPushes.has(key) || seen.has(key)) continue;
        seenPushes.add(key);
        seen.add(key);
        localStorage.setItem(seenKey, JSON.stringify([...seen].slice(-HISTORY_LIMIT)));
        add("push", describe(push.body));
      }
    } catch (error) { /* the page keeps working while the server restarts */ }
  }

  function describe(body) {
    if (body.text && body.text.content) return body.text.content;
    if (body.data) {
      return Object.values(body.data).map((field) => field.value).join("\n");
    }
    return JSON.stringify(body);
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    send({ type: "text", content: text }, text);
  });
  $("photo").addEventListener("change", () => {
    const file = $("photo").files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => send({ type: "image", image: reader.result }, "", reader.result);
    reader.readAsDataURL(file);
    $("photo").value = "";
  });
  $("location").addEventListener("click", () => {
    send({ type: "location", latitude: 30.2489, longitude: 120.1692, scale: 15, label: "杭州市上城区祖庙巷51号" },
         "📍 杭州市上城区祖庙巷51号");
  });
  document.querySelectorAll("[data-click]").forEach((button) => {
    button.addEventListener("click", () => send({ type: "event", event: "CLICK", key: button.dataset.click },
                                                "［菜单］" + button.textContent));
  });
  document.querySelectorAll("[data-scan]").forEach((button) => {
    button.addEventListener("click", () => {
      const scene = $("scene").value.trim();
      if (!scene) return add("system", "请先填写场景");
      send({ type: "event", event: button.dataset.scan, scene: scene }, "［扫码］" + scene);
    });
  });
  $("follow").addEventListener("click", () => send({ type: "event", event: "subscribe" }, "［关注公众号］"));
  $("unfollow").addEventListener("click", () => send({ type: "event", event: "unsubscribe" }, "［取消关注］"));
  $("new-user").addEventListener("click", () => setOpenid(randomOpenid()));
  $("openid").addEventListener("change", () => setOpenid(openid()));
  // Staff bind through the product's own API, as any client would: sign in, ask for my bind code, scan it.
  async function api(path, body, token) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch("/api/v1" + path, { method: "POST", headers, body: JSON.stringify(body || {}) });
    const data = await response.json();
    if (!response.ok) throw new Error((data.error && data.error.message) || "请求失败");
    return data;
  }
  $("staff").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const tokens = await api("/auth/password", { username: $("username").value.trim(), password: $("password").value });
      const code = await api("/me/bind-code", {}, tokens.access_token);
      add("system", tokens.me.name + "（" + tokens.me.role_label + "）的绑定码 " + code.code + "（一次有效）");
      send({ type: "event", event: "SCAN", scene: code.scene }, "［扫码］绑定二维码");
    } catch (error) {
      add("system", error.message);
    }
  });

  setOpenid(localStorage.getItem("minyi-sandbox-openid") || randomOpenid());
    setInterval(pollPushes, 3000);
})();
