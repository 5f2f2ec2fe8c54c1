defmodule AppWeb.PageLiveTest do
  use AppWeb.ConnCase, async: true

  test "increments", %{conn: conn} do
    assert conn
  end
end
