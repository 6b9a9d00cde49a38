/** The indicator tooltips, word for word as the product shows them. */
export const TOOLTIP_EMA_RIBBON = "EMA Ribbon (8/13/21/34/55/89). Green = all EMAs stacked bullish. Red = bearish. Yellow = mixed.";
export const TOOLTIP_TTM_SQUEEZE = "TTM Squeeze. Red dot = volatility compression (coiled spring). Green dot = squeeze just fired. Direction shown by momentum.";
export const TOOLTIP_STOCH_RSI_DIVERGENCE = "Stochastic RSI Divergence. Bullish divergence = price falling but momentum rising (reversal signal).";
