/**
 * What keeps an idle Raft peer cheap: jraft's timers on one sleeping thread, bolt's RPC timeouts on
 * another ({@link io.synod.store.lean.RpcTimeouts}, handed to bolt by this module's {@code
 * com.alipay.remoting.TimerHolder}), and jraft's and bolt's thread pools sized for a group of three
 * to five peers instead of for the host's core count.
 */
package io.synod.store.lean;
