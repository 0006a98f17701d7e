export { createAngelOneSim, ANGELONE_SIM_PATHS, ANGELONE_RATE_LIMIT_TEXT, ANGELONE_ORDER_RATE_PER_SECOND } from './angelone-sim';
export { ANGELONE_SIM_ACCOUNT, ANGELONE_SIM_ACCOUNT_2, ANGELONE_SIM_ACCOUNTS, type AngelOneSimAccount } from './angelone-sim-accounts';
export { AngelSimScripMaster, STREAM_EXCHANGE_TYPE, type AngelScripRow } from './angelone-scrip-master';
export { encodeSmartStreamPacket, SMARTSTREAM_MODE, SMARTSTREAM_PACKET_BYTES, type StreamPacketFields, type DepthLevel } from './angelone-stream-encoder';
