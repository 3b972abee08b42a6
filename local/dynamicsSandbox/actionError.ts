/** A control action that cannot be done: the control API answers it with its status and code. */
export class SandboxActionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxActionError';
  }
}
