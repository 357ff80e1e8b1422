import { z } from "zod";

/**
 * <SERVICE>_HOST: the address a service's port binds to. Loopback unless told otherwise, so a port
 * is never public by accident; containers set 0.0.0.0 to be reached from outside them.
 */
export const bindHost = z
  .union([z.ipv4(), z.ipv6(), z.hostname()], { error: "expected an IP address or a host name, such as 127.0.0.1 or 0.0.0.0" })
  .default("127.0.0.1");
