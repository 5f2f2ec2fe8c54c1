defmodule AppWeb.Api.UserController do
  use AppWeb, :controller

  def index(conn, _params), do: json(conn, [])
end
