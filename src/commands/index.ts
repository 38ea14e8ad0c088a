/** The command line's shared words; each command's module is loaded by cli.ts only when it runs. */
export * from './usage.ts';
