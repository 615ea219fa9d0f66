using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Sesame.Client.Tests;

/// <summary>
/// Counts, on the server, the responses it sends by status and path. Registered as an <see cref="IStartupFilter"/>, so its middleware
/// wraps the whole pipeline (authentication and authorization challenges included) and sees every answer the way the client gets it.
/// </summary>
internal sealed class ServerStatusCounter : IStartupFilter
{
    private readonly ConcurrentDictionary<(int Status, string Path), int> _counts = new();

    /// <summary>How many responses with <paramref name="status"/> the server sent, on every path or only <paramref name="path"/>.</summary>
    public int Count(int status, string? path = null) =>
        _counts.Where(c => c.Key.Status == status && (path is null || string.Equals(c.Key.Path, path, StringComparison.OrdinalIgnoreCase))).Sum(c => c.Value);

    /// <summary>Forgets every count.</summary>
    public void Reset() => _counts.Clear();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            // Counted when the response starts, before the client can have read it (so a count read after a call's answer is complete).
            context.Response.OnStarting(static state =>
            {
                var (counter, http) = ((ServerStatusCounter, HttpContext))state;
                counter._counts.AddOrUpdate((http.Response.StatusCode, http.Request.Path.Value ?? "/"), 1, static (_, n) => n + 1);
                return Task.CompletedTask;
            }, (this, context));
            await nextMiddleware(context);
        });
        next(app);
    };
}
