using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace Sesame.Interop.Browser.Tests.Infrastructure;

/// <summary>What the browser tests do in a page: a <c>fetch</c> the client intercepts, the client's event list, and the move of the
/// server's and the page's clocks together.</summary>
internal static class PageCalls
{
    /// <summary>Runs <c>fetch(url, init)</c> in the page and returns the status and the body text.</summary>
    public static async Task<(int Status, string Body)> FetchAsync(this IPage page, string url, string method = "GET", string? body = null)
    {
        var result = await page.EvaluateAsync<JsonElement>("""
            async ([url, method, body]) => {
              const init = { method };
              if (body !== null) { init.body = body; init.headers = { "Content-Type": "application/json" }; }
              const response = await fetch(url, init);
              return { status: response.status, body: await response.text() };
            }
            """, new object?[] { url, method, body });
        return (result.GetProperty("status").GetInt32(), result.GetProperty("body").GetString()!);
    }

    /// <summary>The events the client fired so far (<c>window.events</c>).</summary>
    public static Task<string[]> EventsAsync(this IPage page) => page.EvaluateAsync<string[]>("() => window.events");

    /// <summary>
    /// Moves the server's clock and the page's clock together by <paramref name="step"/>: tokens issued before expire without real
    /// time passing, and tokens issued afterwards live a full lifetime (docs/browser-interop.md).
    /// </summary>
    public static async Task AdvanceClocksAsync(this IPage page, FakeTimeProvider serverClock, TimeSpan step)
    {
        serverClock.Advance(step);
        await page.Clock.FastForwardAsync((long)step.TotalMilliseconds);
    }
}
