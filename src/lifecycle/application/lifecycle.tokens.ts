/** Injection tokens of the lifecycle feature's ports. */
export const INSTANCE_LOCK_MANAGER = Symbol('IInstanceLockManager');
export const FILE_SYSTEM = Symbol('IFileSystem');
export const PROCESS_RUNTIME = Symbol('IProcessRuntime');
/** The PID file record this instance holds (or inherited from its dev session). */
export const HELD_LOCK = Symbol('HeldLock');
/** This process's instance id (a dev session's app gets its own). */
export const INSTANCE_ID = Symbol('InstanceId');
/** Counts of managed agents for health; the supervisor feature provides the real one. */
export const AGENT_STATS = Symbol('IAgentStats');
/** Failing writes (full disk, I/O errors) reported by adapters; health shows them. */
export const STORAGE_HEALTH = Symbol('IStorageHealth');
