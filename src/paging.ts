/** One page of a listing. */
export interface Page {
  /** Largest number of records to return. */
  limit: number;
  /** Return records whose id sorts after this one (ids are time-ordered). */
  after?: string;
}
