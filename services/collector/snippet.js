/* Boucle browser snippet: no dependencies.
   <script async src="https://COLLECTOR/b.js" data-key="WRITE_KEY" data-consent="required"></script>
   API: boucle.page(name, props), boucle.track(event, props), boucle.identify(userId, traits),
   boucle.consent(true|false). */
(function (w, d) {
  "use strict";
  var me = d.currentScript;
  if (!me || w.boucle) return;
  var key = me.getAttribute("data-key");
  var host = me.getAttribute("data-host") || new URL(me.src).origin;
  var needConsent = me.getAttribute("data-consent") === "required";
  var CLICK = ["gclid", "gclsrc", "gad_source", "dclid", "gbraid", "wbraid", "msclkid", "fbclid",
    "ttclid", "li_fat_id", "twclid", "igshid", "mc_cid"];
  var UTM = { utm_campaign: "name", utm_source: "source", utm_medium: "medium",
    utm_term: "term", utm_content: "content", utm_id: "id" };
  var QKEY = "boucle.queue", AKEY = "boucle_aid", SKEY = "boucle.session";
  var granted = !needConsent || read(w.localStorage, "boucle.consent") === "yes";
  var held = [];       // events made before consent: in memory only, never sent or stored
  var sending = false, delay = 1000;

  function read(store, name) { try { return store.getItem(name); } catch (e) { return null; } }
  function write(store, name, v) { try { store.setItem(name, v); } catch (e) { /* full, private */ } }
  function uuid() {
    return w.crypto && crypto.randomUUID ? crypto.randomUUID() :
      "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
        var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16); });
  }
  function cookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function anonymousId() {  // first-party cookie and localStorage keep each other alive
    var id = cookie(AKEY) || read(w.localStorage, AKEY) || uuid();
    d.cookie = AKEY + "=" + id + "; path=/; max-age=31536000; SameSite=Lax";
    write(w.localStorage, AKEY, id);
    return id;
  }
  function session() {  // the landing's campaign and click ids, kept for the tab's session
    var kept = JSON.parse(read(w.sessionStorage, SKEY) || "null");
    var q = new URLSearchParams(location.search), campaign = {}, clicks = {}, found = false;
    Object.keys(UTM).forEach(function (p) { if (q.get(p)) { campaign[UTM[p]] = q.get(p); found = true; } });
    CLICK.forEach(function (p) { if (q.get(p)) { clicks[p] = q.get(p); found = true; } });
    if (found || !kept) {
      kept = { campaign: campaign, clickIds: clicks };
      if (granted) write(w.sessionStorage, SKEY, JSON.stringify(kept));
    }
    return kept;
  }
  function loadQueue() { return JSON.parse(read(w.localStorage, QKEY) || "[]"); }
  function saveQueue(q) { if (granted) write(w.localStorage, QKEY, JSON.stringify(q.slice(-500))); }

  function message(type, fields) {
    var s = session();
    var m = { type: type, messageId: uuid(), timestamp: new Date().toISOString(),
      context: { page: { url: location.href, referrer: d.referrer, title: d.title,
        path: location.pathname }, campaign: s.campaign, clickIds: s.clickIds,
        userAgent: navigator.userAgent, locale: navigator.language,
        library: { name: "boucle.js", version: "1" } } };
    for (var f in fields) if (fields[f] !== undefined) m[f] = fields[f];
    return m;
  }
  function enqueue(m) {
    if (!granted) { held.push(m); return; }
    m.anonymousId = anonymousId();
    if (read(w.localStorage, "boucle.uid")) m.userId = read(w.localStorage, "boucle.uid");
    var q = loadQueue(); q.push(m); saveQueue(q); flush();
  }
  function body(batch) {  // text/plain and the key in the body: no CORS preflight needed
    return JSON.stringify({ writeKey: key, sentAt: new Date().toISOString(), batch: batch });
  }
  function flush() {
    var q = loadQueue();
    if (sending || !q.length) return;
    sending = true;
    fetch(host + "/v1/batch", { method: "POST", keepalive: true, body: body(q),
      headers: { "Content-Type": "text/plain" } })
      .then(function (r) {
        if (r.status >= 500 || r.status === 429) throw new Error("retry " + r.status);
        var left = loadQueue().slice(q.length); saveQueue(left); delay = 1000;
        sending = false; if (left.length) flush();
      })
      .catch(function () {  // kept in localStorage; backoff, also across page loads
        sending = false; delay = Math.min(delay * 2, 60000); setTimeout(flush, delay);
      });
  }
  function beacon() {  // the page is going away: hand what is queued to the browser
    var q = loadQueue();
    if (!q.length || !navigator.sendBeacon) return;
    var blob = new Blob([body(q)], { type: "text/plain" });
    if (navigator.sendBeacon(host + "/v1/batch", blob)) saveQueue([]);
  }

  w.boucle = {
    page: function (name, props) { enqueue(message("page", { name: name, properties: props || {} })); },
    track: function (event, props) { enqueue(message("track", { event: event, properties: props || {} })); },
    identify: function (userId, traits) {
      if (granted && userId) write(w.localStorage, "boucle.uid", userId);
      enqueue(message("identify", { userId: userId, traits: traits || {} }));
    },
    consent: function (yes) {
      granted = !!yes;
      if (!granted) { held = []; return; }
      write(w.localStorage, "boucle.consent", "yes");
      held.splice(0).forEach(enqueue);
    }
  };
  d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") beacon(); });
  w.addEventListener("pagehide", beacon);
  w.boucle.page();
})(window, document);
