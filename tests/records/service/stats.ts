export function statsTests(_get: () => unknown) {}
