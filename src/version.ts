// The program version, recorded in every snapshot.
export const VERSION = '0.1.0';
