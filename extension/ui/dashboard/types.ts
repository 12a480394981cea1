import type { Request, ResponseFor } from '../../messages';

/** How a view talks to the background: `sendRequest` of extension/platform/runtime. */
export type Send = <R extends Request>(request: R) => Promise<ResponseFor<R>>;
