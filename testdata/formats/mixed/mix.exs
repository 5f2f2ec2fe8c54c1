defmodule Clinic.MixProject do
  defp deps do
    [{:phoenix, "~> 1.7"}]
  end
end
