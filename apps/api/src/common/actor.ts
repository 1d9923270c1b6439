/** Recorded as the actor of changes made over the API without a named person. */
export const API_ACTOR = 'api';
