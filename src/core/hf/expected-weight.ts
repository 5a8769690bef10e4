/** A tensor a checkpoint must hold: its Hugging Face name and shape as config.json implies. */
export interface ExpectedWeight {
  name: string;
  shape: number[];
}
