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

globalThis.fm.shrink = shrink;
