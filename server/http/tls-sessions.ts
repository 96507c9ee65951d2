/**
 * How long a client may resume its TLS session (the ticket lifetime the server issues).
 * Node's default is 300 s: shorter than every interval we tell (agents 10 min, phones 5 min
 * plus jitter), so an agent or phone that reconnects per replication or check-in never
 * resumed and paid a full handshake with certificate verification each time (bench:mdm:
 * ~4-5 ms of connector CPU per check-in against ~2 ms resumed). A day covers any interval
 * we tell, adaptive stretch included. Tickets are encrypted with keys that live only in this
 * process, so a restart sends everyone through a full handshake once. Ours.
 */
export const TLS_SESSION_TIMEOUT_SECONDS = 86_400;
