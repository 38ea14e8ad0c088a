export function sourcesTests(_get: () => unknown) {}
