using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>
/// Every log line written by any server or client this test assembly starts (all categories, Trace and up), kept for the whole run
/// so the secret check covers the suite, not one test.
/// </summary>
internal static class CapturedLogs
{
    private static readonly ConcurrentQueue<CapturedLogLine> s_lines = new();

    public static int Count => s_lines.Count;

    public static IReadOnlyCollection<CapturedLogLine> Lines => s_lines.ToArray();

    public static void Add(CapturedLogLine line) => s_lines.Enqueue(line);

    /// <summary>Sends every log line of the builder's services to the capture, at Trace level.</summary>
    public static ILoggingBuilder AddCapture(this ILoggingBuilder builder) =>
        builder.AddProvider(new CapturingLoggerProvider()).SetMinimumLevel(LogLevel.Trace);
}

/// <summary>One captured log line: its text is the message, the exception (with inner ones) and the scopes, all that a sink would write.</summary>
internal sealed record CapturedLogLine(string Category, LogLevel Level, EventId EventId, string Text);

internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new System.Text.StringBuilder(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                // Structured sinks write the raw parameter values too, not only the formatted message.
                foreach (var (key, value) in values)
                {
                    text.Append(" |").Append(key).Append('=').Append(value);
                }
            }

            if (exception is not null)
            {
                text.Append(" | ").Append(exception);
            }

            provider._scopes.ForEachScope((scope, sb) => sb.Append(" | scope ").Append(scope), text);
            CapturedLogs.Add(new CapturedLogLine(category, logLevel, eventId, text.ToString()));
        }
    }
}
