import { Socket } from "phoenix";

export const socket = new Socket("/socket");
