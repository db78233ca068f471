// @veil/client: the whole client without UI. The PWA and the benchmarks both build on it.
export * from './reconnect-backoff';
