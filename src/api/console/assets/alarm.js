// Emergencies make a sound and a browser notification. Browsers allow both only after the person
// has interacted with the page, hence the button; the choice is remembered for the next visit.
const { w } = globalThis.fm;
let audio;

function beep() {
  if (!audio) return;
  const at = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.25, at + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.001, at + i * 0.35 + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(at + i * 0.35);
    osc.stop(at + i * 0.35 + 0.3);
  }
}

async function enable() {
  try {
    audio ??= new AudioContext();
    await audio.resume();
  } catch {
    audio = undefined;
  }
  if ('Notification' in globalThis && Notification.permission === 'default')
    await Notification.requestPermission();
  localStorage.setItem('fm.alarm', 'on');
}

/** An emergency arrived: sound, notification (click opens it), and a count tests can read. */
function ring(title, url) {
  document.body.dataset.rings = String(Number(document.body.dataset.rings ?? 0) + 1);
  beep();
  if ('Notification' in globalThis && Notification.permission === 'granted') {
    const n = new Notification(w('desk.notifyTitle', { title }), { tag: url, requireInteraction: true });
    n.onclick = () => {
      globalThis.focus();
      location.assign(url);
    };
  }
}

const button = document.getElementById('enable-alerts');
if (button) {
  const done = () => {
    button.textContent = w('desk.enabled');
    button.disabled = true;
  };
  button.addEventListener('click', () => enable().then(done));
  // A page reload keeps the choice; audio still waits for the first click anywhere (browser rule).
  if (localStorage.getItem('fm.alarm') === 'on') {
    done();
    document.addEventListener('click', () => enable(), { once: true });
  }
}

globalThis.fm.alarm = { ring, enable };
