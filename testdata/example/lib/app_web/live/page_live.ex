defmodule AppWeb.PageLive do
  use AppWeb, :live_view

  def mount(_params, _session, socket), do: {:ok, assign(socket, :count, 0)}

  def handle_event("inc", _params, socket), do: {:noreply, update(socket, :count, &(&1 + 1))}
end
