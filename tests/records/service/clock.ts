export function clockTests(_get: () => unknown) {}
