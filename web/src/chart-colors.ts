/**
 * The charts' line colours, in the order lines take them: chosen to read on both the light and
 * the dark background. In a file of their own so that a hand-drawn chart can share them without
 * bringing in the time-series library.
 */
export const lineColors = [
  "#3b6fe0",
  "#e0813b",
  "#2aa876",
  "#c2417d",
  "#8c62d9",
  "#b59a1f",
  "#2a9bb5",
  "#7a7f8a",
];
