// The seed-era (2019/2020) session backend that Sesame's legacy dialect is tested against: an Express app on the real
// npm package supertokens-node-mysql-ref-jwt 5.0.4 (MySQL storage, served here by a private MariaDB), used as its
// README and source intend: init(config) once, createNewSession on login, getSession(req, res, true) on every protected
// route, refreshSession on the renewTokenPath, Session.revokeSession on logout, revokeAllSessionsForUser.
//
// Environment:
//   PORT                    port to listen on (0 or unset = a free one); the process prints "listening on <port>"
//   HOST                    address(es) to listen on, comma separated (default "127.0.0.1,::1": loopback only, so
//                           http://localhost:<port> works whichever address localhost resolves to first)
//   ACCESS_TOKEN_VALIDITY   access-token lifetime in seconds (default 3600); below 10 s the package needs
//                           TEST_MODE=testing, which this app sets itself (it lifts the range checks, nothing else)
//                           (tests keep the hour and expire tokens with POST /clock/advance instead of waiting)
//   COOKIE_DOMAIN           cookie Domain attribute (default "localhost")
//   BLACKLISTING            "true" = access tokens of revoked sessions are refused at once (package option)
//   MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE (defaults: the SESAME_TEST_MARIADB_* variables
//   that build/services/mariadb.sh prints)
//   TABLE_SUFFIX            optional suffix for the package's two tables, to keep concurrent peers apart
//
// Every session error is answered with status 440 (the seeds' SESSION_EXPIRED_STATUS_CODE) and JSON
// {"error","errType","message"}; a general (database/config) error with 500. Token theft revokes the session.
"use strict";

const http = require("http");
const express = require("express");
const cookieParser = require("cookie-parser");

const validitySeconds = Number(process.env.ACCESS_TOKEN_VALIDITY || "3600");
if (!(validitySeconds > 0)) {
    console.error("ACCESS_TOKEN_VALIDITY must be a positive number of seconds");
    process.exit(2);
}
// A test clock: the package reads the time only through Date.now() (token expiry, key and refresh-token ages, cookie
// expiry dates), so shifting Date.now lets a test expire tokens on demand (POST /clock/advance) instead of racing a short
// real lifetime on a busy machine. Installed before the package is loaded; it only ever moves forward.
let clockOffsetMs = 0;
const realDateNow = Date.now;
Date.now = () => realDateNow() + clockOffsetMs;

if (validitySeconds < 10) {
    // The package refuses access-token lifetimes under 10 s unless TEST_MODE=testing; it must be set before require.
    process.env.TEST_MODE = "testing";
}
const SuperTokens = require("supertokens-node-mysql-ref-jwt/express");

const SESSION_EXPIRED_STATUS_CODE = 440;
const env = (name, fallback) => process.env[name] || fallback;

const counters = { refresh: 0, refreshAttempts: 0, getSession: 0, theft: 0 };
let events = [];
// A programmed answer for the next N refresh calls (POST /program-refresh): lets a test get a real 5xx out of the
// refresh endpoint, a fault the package cannot produce on demand.
let programmedRefresh = null;

function record(event) {
    events.push(event);
}

function sessionErrorToResponse(err, res) {
    if (SuperTokens.Error.isErrorFromAuth(err)) {
        const message = err.err instanceof Error ? err.err.message : JSON.stringify(err.err);
        if (err.errType === SuperTokens.Error.GENERAL_ERROR) {
            record("general-error");
            res.status(500).json({ error: "GENERAL_ERROR", errType: err.errType, message });
            return;
        }
        const names = { 2000: "UNAUTHORISED", 3000: "TRY_REFRESH_TOKEN", 4000: "UNAUTHORISED_AND_TOKEN_THEFT_DETECTED" };
        record(names[err.errType] || String(err.errType));
        res.status(SESSION_EXPIRED_STATUS_CODE).json({ error: names[err.errType], errType: err.errType, message });
        return;
    }
    console.error(err);
    res.status(500).json({ error: "INTERNAL", message: String(err && err.message ? err.message : err) });
}

// Wraps an async route so every rejection ends in one of the answers above.
const route = (handler) => (req, res) => {
    Promise.resolve(handler(req, res)).catch((err) => sessionErrorToResponse(err, res));
};

function rawBody(req) {
    return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

const app = express();
app.disable("x-powered-by");
app.disable("etag");
app.use(cookieParser());
// Keep every request body as raw bytes: /echo and /testing must answer exactly what was sent.
app.use(express.raw({ type: () => true, limit: "20mb" }));

app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
        res.setHeader("Access-Control-Allow-Origin", origin);
        if (req.method !== "OPTIONS") {
            // On OPTIONS the package adds it (its setHeader appends to a value already set).
            res.setHeader("Access-Control-Allow-Credentials", "true");
        }
    }
    next();
});

app.options(
    "*",
    route(async (req, res) => {
        // The app's own headers first; the package appends anti-csrf and its SDK headers (as the era's test server did).
        res.setHeader("Access-Control-Allow-Headers", "content-type, testing");
        await SuperTokens.setRelevantHeadersForOptionsAPI(res);
        res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
        res.status(200).send("");
    })
);

app.post(
    "/login",
    route(async (req, res) => {
        let userId;
        try {
            userId = JSON.parse(rawBody(req).toString("utf8")).userId;
        } catch {
            userId = undefined;
        }
        if (typeof userId !== "string" || userId.length === 0) {
            res.status(400).json({ message: 'body must be JSON {"userId":"..."}' });
            return;
        }
        await SuperTokens.createNewSession(res, userId);
        record("login");
        res.send(userId);
    })
);

app.get(
    "/",
    route(async (req, res) => {
        await SuperTokens.getSession(req, res, true);
        counters.getSession += 1;
        res.send("success");
    })
);

app.get(
    "/session",
    route(async (req, res) => {
        const session = await SuperTokens.getSession(req, res, true);
        counters.getSession += 1;
        res.send(String(session.getUserId()));
    })
);

app.all(
    "/testing",
    route(async (req, res) => {
        await SuperTokens.getSession(req, res, true);
        const testing = req.headers["testing"];
        if (testing !== undefined) {
            res.setHeader("testing", testing);
        }
        const body = rawBody(req);
        if (body.length === 0) {
            res.send("success");
            return;
        }
        res.setHeader("Content-Type", req.headers["content-type"] || "application/octet-stream");
        res.send(body);
    })
);

app.post(
    "/echo",
    route(async (req, res) => {
        await SuperTokens.getSession(req, res, true);
        res.setHeader("Content-Type", req.headers["content-type"] || "application/octet-stream");
        res.send(rawBody(req));
    })
);

// No session needed: the request headers this server saw, for tests of what a client attaches (lower-case names).
app.get("/headers", (req, res) => {
    res.json(req.headers);
});

app.post(
    "/refresh",
    route(async (req, res) => {
        counters.refreshAttempts += 1;
        if (programmedRefresh !== null && programmedRefresh.times > 0) {
            programmedRefresh.times -= 1;
            const { status, body } = programmedRefresh;
            if (programmedRefresh.times === 0) programmedRefresh = null;
            record("refresh-programmed-" + status);
            res.status(status).send(body);
            return;
        }
        try {
            await SuperTokens.refreshSession(req, res);
        } catch (err) {
            if (
                SuperTokens.Error.isErrorFromAuth(err) &&
                err.errType === SuperTokens.Error.UNAUTHORISED_AND_TOKEN_THEFT_DETECTED
            ) {
                // The package only reports theft; revoking the stolen session is the application's job.
                counters.theft += 1;
                await SuperTokens.revokeSessionUsingSessionHandle(err.err.sessionHandle);
            }
            throw err;
        }
        counters.refresh += 1;
        record("refresh");
        res.send("refresh success");
    })
);

app.post(
    "/logout",
    route(async (req, res) => {
        const session = await SuperTokens.getSession(req, res, true);
        await session.revokeSession();
        record("logout");
        res.send("success");
    })
);

app.post(
    "/revokeAll",
    route(async (req, res) => {
        const session = await SuperTokens.getSession(req, res, true);
        await SuperTokens.revokeAllSessionsForUser(session.getUserId());
        record("revokeAll");
        res.send("success");
    })
);

// Test-only: the next `times` refresh calls answer `status` with `body` instead of refreshing.
app.post("/program-refresh", (req, res) => {
    let spec;
    try {
        spec = JSON.parse(rawBody(req).toString("utf8"));
    } catch {
        spec = undefined;
    }
    if (!spec || !Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599) {
        res.status(400).json({ message: 'body must be JSON {"status":N,"times":N?,"body":"..."?}' });
        return;
    }
    programmedRefresh = { status: spec.status, times: Number.isInteger(spec.times) ? spec.times : 1, body: spec.body || "" };
    res.send("success");
});

// Test-only: moves the clock forward by {"seconds": N} and answers the peer's time (ms since the epoch).
app.post("/clock/advance", (req, res) => {
    let seconds;
    try {
        seconds = JSON.parse(rawBody(req).toString("utf8")).seconds;
    } catch {
        seconds = undefined;
    }
    if (typeof seconds !== "number" || !(seconds > 0) || !Number.isFinite(seconds)) {
        res.status(400).json({ message: 'body must be JSON {"seconds":N} with N > 0' });
        return;
    }
    clockOffsetMs += Math.round(seconds * 1000);
    res.send(String(Date.now()));
});

const sendCount = (name) => (req, res) => res.send(String(counters[name]));
app.get(["/refreshCount", "/refreshCalledTime"], sendCount("refresh"));
app.get("/refreshAttemptCount", sendCount("refreshAttempts"));
app.get("/getSessionCount", sendCount("getSession"));
app.get("/theftCount", sendCount("theft"));
app.get("/events", (req, res) => res.json(events));
app.post("/reset", (req, res) => {
    counters.refresh = 0;
    counters.refreshAttempts = 0;
    counters.getSession = 0;
    counters.theft = 0;
    events = [];
    programmedRefresh = null;
    res.send("success");
});
app.get("/testError", (req, res) => res.status(500).send("test error message"));
app.get("/ping", (req, res) => res.send("success"));
app.use((req, res) => res.status(404).send(""));

async function main() {
    const suffix = env("TABLE_SUFFIX", "");
    await SuperTokens.init({
        mysql: {
            host: env("MYSQL_HOST", env("SESAME_TEST_MARIADB_HOST", "127.0.0.1")),
            port: Number(env("MYSQL_PORT", env("SESAME_TEST_MARIADB_PORT", "33069"))),
            user: env("MYSQL_USER", env("SESAME_TEST_MARIADB_USER", "sesame")),
            password: env("MYSQL_PASSWORD", env("SESAME_TEST_MARIADB_PASSWORD", "sesame")),
            database: env("MYSQL_DATABASE", env("SESAME_TEST_MARIADB_DATABASE", "sesame_legacy")),
            tables: suffix === "" ? undefined : { signingKey: "signing_key_" + suffix, refreshTokens: "refresh_token_" + suffix }
        },
        tokens: {
            accessToken: {
                validity: validitySeconds,
                blacklisting: env("BLACKLISTING", "false") === "true"
            },
            refreshToken: { renewTokenPath: "/refresh" },
            enableAntiCsrf: true
        },
        // Plain http on loopback: the package's defaults (Secure, SameSite=None) would make clients drop the cookies.
        cookie: { domain: env("COOKIE_DOMAIN", "localhost"), secure: false, sameSite: "lax" },
        logging: { info: () => {}, error: () => {} }
    });

    const hosts = env("HOST", "127.0.0.1,::1").split(",").map((h) => h.trim()).filter((h) => h.length > 0);
    let port = Number(env("PORT", "0"));
    const listen = (host, p) =>
        new Promise((resolve, reject) => {
            const server = http.createServer(app);
            server.once("error", reject);
            server.listen(p, host, () => resolve(server.address().port));
        });
    port = await listen(hosts[0], port);
    for (const host of hosts.slice(1)) {
        // A second loopback family (::1) is a convenience: machines without IPv6 simply skip it.
        await listen(host, port).catch((err) => console.error(`not listening on ${host}: ${err.message}`));
    }
    console.log(`listening on ${port}`);
}

main().catch((err) => {
    console.error("seed-era server failed to start:", err && err.err ? err.err : err);
    process.exit(1);
});
