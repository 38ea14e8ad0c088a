// The live stream (GET /stream, server-sent events) with the session cookie: on a dropped link the
// page reloads its lists and reconnects, so nothing that happened meanwhile is missed.
const { w } = globalThis.fm;

/**
 * follow(site, { record, alert, breach }, reload): reload() runs before each (re)connect.
 * Returns a function that stops following.
 */
function follow(site, handlers, reload) {
  const badge = document.getElementById('live');
  let es;
  let stopped = false;
  let retry;
  const status = (ok) => {
    if (!badge) return;
    badge.textContent = ok ? w('desk.live') : w('desk.offline');
    badge.dataset.live = ok ? 'yes' : 'no';
  };
  async function connect() {
    if (stopped) return;
    try {
      await reload();
    } catch (err) {
      globalThis.fm.fail(err);
    }
    es = new EventSource(`/stream${site ? `?site=${encodeURIComponent(site)}` : ''}`);
    es.onopen = () => status(true);
    for (const [event, fn] of Object.entries(handlers)) {
      es.addEventListener(event, (e) => {
        try {
          fn(JSON.parse(e.data));
        } catch (err) {
          console.error(err);
        }
      });
    }
    es.onerror = () => {
      status(false);
      es.close();
      clearTimeout(retry);
      retry = setTimeout(connect, 3000 + Math.random() * 2000);
    };
  }
  connect();
  return () => {
    stopped = true;
    es?.close();
  };
}

globalThis.fm.follow = follow;
