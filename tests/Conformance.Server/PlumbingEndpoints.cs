using System.Globalization;
using System.Text.Json;
using Sesame.AspNetCore;

namespace Sesame.Conformance;

/// <summary>
/// The reference test server's endpoints that need no session: test plumbing (setup, counters, flags) and the
/// stateless helpers. Dispatched by exact method and path, as Express routes them; anything else falls through.
/// </summary>
internal sealed class PlumbingEndpoints(ConformanceState state, string packageVersion)
{
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var method = request.Method;
        var get = HttpMethods.IsGet(method);
        var post = HttpMethods.IsPost(method);

        // `app.use("/testing")` in the reference: every method, and sub-paths too.
        if (path == "/testing" || path.StartsWith("/testing/", StringComparison.Ordinal))
        {
            if (request.Headers.TryGetValue("testing", out var echoed))
            {
                context.Response.Headers["testing"] = echoed;
            }

            await Responses.TextAsync(context, 200, "success");
            return true;
        }

        switch (path)
        {
            case "/beforeeach" when post:
                state.CountersFor(context).Reset();
                await Responses.EmptyAsync(context, 200);
                return true;
            case "/after" when post:
            case "/stopst" when post:
            case "/testUserConfig" when post:
                await Responses.EmptyAsync(context, 200);
                return true;
            case "/test/setup/app" when post:
                await SetupAppAsync(context);
                return true;
            case "/test/setup/st" when post:
                await SetupSessionRecipeAsync(context, reinitialise: false);
                return true;
            case "/reinitialiseBackendConfig" when post:
                await SetupSessionRecipeAsync(context, reinitialise: true);
                return true;
            case "/featureFlags" when get:
                // sessionJwt false + the rest true = the newest code paths of the suite (v3 access tokens).
                await Responses.JsonAsync(context, 200,
                    """{"sessionJwt":false,"sessionClaims":true,"v3AccessToken":true,"duplicateCookieHandling":true}""");
                return true;
            case "/refreshCalledTime" when get:
                await Responses.TextAsync(context, 200, state.CountersFor(context).RefreshCalled.ToString(CultureInfo.InvariantCulture));
                return true;
            case "/refreshAttemptedTime" when get:
                await Responses.TextAsync(context, 200, state.CountersFor(context).RefreshAttempted.ToString(CultureInfo.InvariantCulture));
                return true;
            case "/getSessionCalledTime" when get:
                await Responses.TextAsync(context, 200, state.CountersFor(context).GetSessionCalled.ToString(CultureInfo.InvariantCulture));
                return true;
            case "/getPackageVersion" when get:
                await Responses.TextAsync(context, 200, packageVersion);
                return true;
            case "/ping" when get:
                await Responses.TextAsync(context, 200, "success");
                return true;
            case "/testHeader" when get:
                var hasCustomHeader = request.Headers.ContainsKey("st-custom-header");
                await Responses.TextAsync(context, 200, hasCustomHeader ? """{"success":true}""" : """{"success":false}""");
                return true;
            case "/checkAllowCredentials" when post:
                await Responses.JsonAsync(context, 200, request.Headers.ContainsKey("allow-credentials") ? "true" : "false");
                return true;
            case "/multipleInterceptors" when post:
                var both = request.Headers.ContainsKey("interceptorheader1") && request.Headers.ContainsKey("interceptorheader2");
                await Responses.TextAsync(context, 200, both ? "success" : "failure");
                return true;
            case "/check-rid-no-session" when get:
                var rid = request.Headers["rid"].ToString();
                await Responses.TextAsync(context, 200, rid.StartsWith("anti-csrf", StringComparison.Ordinal) ? "success" : "fail");
                return true;
            case "/403-without-body" when post:
                // Express's sendStatus(403) writes the status text as the body.
                await Responses.TextAsync(context, 403, "Forbidden", "text/plain; charset=utf-8");
                return true;
            case "/testError" when get:
                var code = 500;
                if (request.Query.TryGetValue("code", out var codeText)
                    && (!int.TryParse(codeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out code) || code is < 200 or > 599))
                {
                    await Responses.TextAsync(context, 400, "code must be an HTTP status between 200 and 599");
                    return true;
                }

                await Responses.TextAsync(context, code, "test error message");
                return true;
            default:
                return false;
        }
    }

    private async Task SetupAppAsync(HttpContext context)
    {
        var body = await Responses.ReadJsonAsync(context);
        try
        {
            var app = state.Apps.Create(body);
            // The suite awaits this call but not /test/setup/st: do the slow part (keys, database) now.
            await state.Backend.PrepareAsync(app, context.RequestAborted);
            await Responses.TextAsync(context, 200, app.Handle);
        }
        catch (FormatException e)
        {
            await Responses.TextAsync(context, 400, e.Message);
        }
    }

    /// <summary>
    /// <c>/test/setup/st {coreUrl, enableAntiCsrf, enableJWT, jwtPropertyName}</c>: selects the app and the anti-CSRF
    /// mode (VIA_TOKEN when true, NONE when false; our extension <c>antiCsrf</c> names any mode). The suite does not await it, so the new backend is in place before
    /// this answers and a following <c>/login</c> finds it; the same settings again change nothing.
    /// </summary>
    private async Task SetupSessionRecipeAsync(HttpContext context, bool reinitialise)
    {
        var body = await Responses.ReadJsonAsync(context);
        var current = state.Backend.CurrentConfig;
        var app = current.App;
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("coreUrl", out var coreUrl) && coreUrl.ValueKind == JsonValueKind.String)
        {
            var found = state.Apps.Find(coreUrl.GetString()!);
            if (found is null)
            {
                await Responses.TextAsync(context, 400, $"Unknown coreUrl '{coreUrl.GetString()}': make an app with /test/setup/app first.");
                return;
            }

            app = found;
        }

        var antiCsrf = current.AntiCsrf;
        if (!reinitialise && body.ValueKind == JsonValueKind.Object)
        {
            if (body.TryGetProperty("enableAntiCsrf", out var enable))
            {
                if (enable.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                {
                    await Responses.TextAsync(context, 400, "enableAntiCsrf must be a boolean.");
                    return;
                }

                antiCsrf = enable.ValueKind == JsonValueKind.True ? AntiCsrfMode.ViaToken : AntiCsrfMode.None;
            }

            // Our extension: the node SDK's option by name, so VIA_CUSTOM_HEADER can be tested too.
            if (body.TryGetProperty("antiCsrf", out var mode))
            {
                switch (mode.ValueKind == JsonValueKind.String ? mode.GetString() : null)
                {
                    case "VIA_TOKEN": antiCsrf = AntiCsrfMode.ViaToken; break;
                    case "VIA_CUSTOM_HEADER": antiCsrf = AntiCsrfMode.ViaCustomHeader; break;
                    case "NONE": antiCsrf = AntiCsrfMode.None; break;
                    default:
                        await Responses.TextAsync(context, 400, "antiCsrf must be VIA_TOKEN, VIA_CUSTOM_HEADER or NONE.");
                        return;
                }
            }
        }

        await state.Backend.ApplyAsync(new BackendConfig(app, antiCsrf), context.RequestAborted);
        await Responses.EmptyAsync(context, 200);
    }
}
