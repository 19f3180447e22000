/** An error the emulator answers the way DMS does: `{"__type": code, "message": …}` with AWS's HTTP status. */
export class DmsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const notFound = (what: string) => new DmsFault('ResourceNotFoundFault', what);
export const invalidState = (message: string) => new DmsFault('InvalidResourceStateFault', message);
export const invalidValue = (message: string) => new DmsFault('InvalidParameterValueException', message);
export const invalidCombination = (message: string) => new DmsFault('InvalidParameterCombinationException', message);
export const alreadyExists = (message: string) => new DmsFault('ResourceAlreadyExistsFault', message);
