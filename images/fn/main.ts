/**
 * The test function behind every hotfn-test/* Bun image: one program, its behaviour picked by MODE
 * (modes.ts) and its framing by FN_FORMAT, which hotfn sets from the route's format.
 */
import { runDefault } from "./default.ts";
import { runHttp } from "./http.ts";
import { runJson } from "./json.ts";
import { runStream } from "./stream.ts";

// EXIT_AT_START=N: exit at once, as a function that cannot start would.
if (process.env.EXIT_AT_START) process.exit(Number(process.env.EXIT_AT_START));

const format = process.env.FN_FORMAT ?? "default";
if (format === "http") await runHttp();
else if (format === "json") await runJson();
else if (format === "http-stream") runStream();
else await runDefault();
