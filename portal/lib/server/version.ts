import pkg from '../../../package.json' with { type: 'json' };

/** The clearinghouse's version, from package.json (one source for portal and extension). */
export const version: string = pkg.version;
