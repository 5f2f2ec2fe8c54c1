defmodule AppWeb.FallbackController do
  use AppWeb, :controller

  def call(conn, {:error, :not_found}), do: conn |> put_status(:not_found) |> text("not found")
end
