import type { BrokerSimModule } from './core/sim-server';
import { createAngelOneSim } from './angelone';
import { createZerodhaSim } from './zerodha';
import { createFyersSim } from './fyers';
import { createDhanSim } from './dhan';

/** Every broker sim by name, for `npm run sim -- <name>`. */
export const SIM_MODULES: Record<string, () => BrokerSimModule> = {
  angelone: () => createAngelOneSim(),
  zerodha: () => createZerodhaSim(),
  fyers: () => createFyersSim(),
  dhan: () => createDhanSim(),
};
