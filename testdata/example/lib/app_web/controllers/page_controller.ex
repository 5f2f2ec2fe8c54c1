defmodule AppWeb.PageController do
  use AppWeb, :controller

  def home(conn, _params), do: render(conn, :home)
end
