using Microsoft.Extensions.Logging;

namespace Sesame.Client.Internal;

/// <summary>Delivers session events to the options callback and to <see cref="ISessionEvents"/> subscribers; a throwing handler is logged, never fatal.</summary>
internal sealed class SessionEventSource(Action<SessionEvent>? callback, ILogger logger) : ISessionEvents
{
    public event EventHandler<SessionEvent>? EventRaised;

    public bool HasListeners => callback is not null || EventRaised is not null;

    public void Raise(SessionEvent sessionEvent)
    {
        try
        {
            callback?.Invoke(sessionEvent);
        }
        catch (Exception ex)
        {
            Log.EventHandlerFailed(logger, ex, sessionEvent.Type);
        }

        var handlers = EventRaised;
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<SessionEvent>)handler)(this, sessionEvent);
            }
            catch (Exception ex)
            {
                Log.EventHandlerFailed(logger, ex, sessionEvent.Type);
            }
        }
    }
}
