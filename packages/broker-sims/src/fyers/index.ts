export {
  createFyersSim,
  FYERS_SIM_APP_ID,
  FYERS_SIM_SECRET_KEY,
  FYERS_SIM_CLIENT_ID,
  FYERS_SIM_USER_NAME,
  FYERS_SIM_REDIRECT_URI,
  FYERS_SIM_HSM_PATH,
} from './fyers-sim';
export * from './fyers-hsm-encoder';
export { fyersSymbolsFor, symbolMasterCsv, type FyersSimSymbol } from './fyers-sim-instruments';
