using Microsoft.Extensions.Logging;

namespace Sesame.Client.Blazor.Internal;

/// <summary>Log messages of the Blazor client. Event ids: 5xxx (the core client uses 1xxx–4xxx). Never token values.</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Warning, "The Web Locks API (navigator.locks) is not available (it needs a secure context: https, localhost or 127.0.0.1). Refreshes are single-flight within this tab only; several tabs may refresh at once.", EventName = "WebLocksUnavailable")]
    public static partial void WebLocksUnavailable(ILogger logger);

    [LoggerMessage(5002, LogLevel.Debug, "Sesame browser module loaded from {Path}.", EventName = "ModuleLoaded")]
    public static partial void ModuleLoaded(ILogger logger, string path);
}
