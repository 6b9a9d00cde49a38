/** The three lines of a price channel (Bollinger, Keltner). */
export interface Bands {
  upper: number;
  middle: number;
  lower: number;
}
