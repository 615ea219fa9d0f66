using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>
/// The first middleware of a test server: records every token that crosses the wire in either direction (Authorization, session
/// cookies, anti-CSRF, token headers, Set-Cookie) into <see cref="WireSecrets"/>. It only observes.
/// </summary>
internal sealed class WireTapStartupFilter : IStartupFilter
{
    private static readonly string[] RequestHeaders = ["Authorization", "anti-csrf"];
    private static readonly string[] ResponseHeaders = ["st-access-token", "st-refresh-token", "anti-csrf"];
    private static readonly string[] SessionCookies = ["sAccessToken", "sRefreshToken"];

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            Record(context.Request);
            context.Response.OnStarting(static state =>
            {
                Record((HttpResponse)state);
                return Task.CompletedTask;
            }, context.Response);
            await nextMiddleware(context);
        });
        next(app);
    };

    private static void Record(HttpRequest request)
    {
        foreach (var name in RequestHeaders)
        {
            foreach (var value in request.Headers[name])
            {
                WireSecrets.Add(value);
            }
        }

        foreach (var header in request.Headers.Cookie)
        {
            foreach (var part in (header ?? string.Empty).Split(';'))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && SessionCookies.Contains(part[..eq].Trim()))
                {
                    WireSecrets.Add(part[(eq + 1)..]);
                }
            }
        }
    }

    private static void Record(HttpResponse response)
    {
        foreach (var name in ResponseHeaders)
        {
            foreach (var value in response.Headers[name])
            {
                WireSecrets.Add(value);
            }
        }

        foreach (var value in response.Headers.SetCookie)
        {
            if (value is not null && SetCookieHeaderValue.TryParse(value, out var cookie) && SessionCookies.Contains(cookie.Name.ToString()))
            {
                WireSecrets.Add(cookie.Value.ToString());
            }
        }
    }
}
