/**
 * Stock @apollo/server + @apollo/gateway, configured as the public benchmark
 * does (defaults, standalone server, one process), for comparison.
 *
 * `node router/bench/stock-gateway.ts <supergraph path> <port>`
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [supergraphPath, port] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath!, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
console.log(`ready ${url}`);
