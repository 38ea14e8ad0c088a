// Phone photos are 3-8 MB; over a slow mobile link the page sends a copy at most 1600 pixels on
// its long side as JPEG (a few hundred KB), which is plenty to see a broken door roller.
const MAX_SIDE = 1600;

async function shrink(file) {
  if (!file?.type.startsWith('image/')) return file;
  if (file.size < 400 * 1024 && /^image\/(jpeg|png|webp)$/.test(file.type)) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    if (!blob) return file;
    return new File([blob], `${file.name.replace(/\.\w+$/, '')}.jpg`, { type: 'image/jpeg' });
  } catch {
    return file; // a format the browser cannot decode: let the server judge the original
  }
}

const { api, el, w, fail, toast } = globalThis.fm;
const $ = (sel) => document.querySelector(sel);

/** The record's photos, and the upload form shown when the API allows this person a note. */
async function renderPhotos(id, allowed) {
  const { items } = await api('GET', `/records/${id}/attachments`);
  $('#rec-photos').replaceChildren(
    ...(items.length
      ? items.map((a) =>
          el(
            'a',
            { href: `/records/${id}/attachments/${a.id}`, target: '_blank', rel: 'noopener' },
            el('img', {
              src: `/records/${id}/attachments/${a.id}`,
              alt: `${a.label ? w(`photo.${a.label}`) : ''} ${a.filename}`.trim(),
              loading: 'lazy',
              'data-photo': a.id,
            }),
          ),
        )
      : [el('p', { class: 'muted' }, w('photo.none'))]),
  );
  // Attaching follows the record's note rule, which the API's allowed actions already answered.
  $('#photo-form').hidden = !allowed.includes('note');
}

function bindPhotoUpload(id, reload) {
  $('#photo-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('#photo-file').files[0];
    if (!file) return;
    const body = new FormData();
    if ($('#photo-label').value) body.append('label', $('#photo-label').value);
    body.append('photo', await globalThis.fm.shrink(file));
    const button = e.target.querySelector('button');
    button.disabled = true;
    try {
      const res = await fetch(`/records/${id}/attachments`, {
        method: 'POST',
        body,
        headers: { 'x-csrf-token': globalThis.fm.csrf },
        credentials: 'same-origin',
      });
      if (!res.ok)
        throw new globalThis.fm.ApiError(
          res.status,
          'upload',
          (await res.json()).error?.message ?? res.statusText,
        );
      e.target.reset();
      toast(w('photo.done'));
      await reload();
    } catch (err) {
      fail(err);
    } finally {
      button.disabled = false;
    }
  });
}

Object.assign(globalThis.fm, { shrink, renderPhotos, bindPhotoUpload });
